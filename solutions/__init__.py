"""Verified answers to COMP 5900 Assignment II and HW2 (2019).

Every answer that the site shows is a *claim*; the modules in this package
compute the truth behind each claim and the engine in :mod:`solutions.engine`
compares it with what the page says.
"""
