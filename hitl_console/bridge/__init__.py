"""The HTTP bridge: the floor fed by a real agent platform over a small versioned protocol (docs/bridge.md).

- :mod:`.protocol`: the bodies of the protocol (pydantic), the contract an integrator implements;
- :mod:`.stream`: the Server-Sent Events reader (reconnect with backoff, resume from the last event id);
- :mod:`.link`: the link state and counters the console's header shows;
- :mod:`.source`: :class:`~.source.BridgeSource`, a ``Source`` that mirrors the platform onto a floor;
- :mod:`.platform` and :mod:`.server`: the demo platform, the built-in simulator served over the protocol.
"""
