"""hitl-console: supervise many AI-handled customer-service chats and step in when it matters."""

__version__ = "0.1.0"
