"""The rehearsal's screens: the console app with a scenario clock, and the debrief (these import Textual)."""
