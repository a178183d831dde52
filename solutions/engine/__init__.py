"""The claim engine: parse what a page says, compare it with what the code computes."""
