"""Assignment II of COMP 5900 (Winter 2021)."""
