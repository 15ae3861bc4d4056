"""Bridges to other frameworks, each in its own room: it imports the core, never the reverse.

Each ships as an optional extra (`pip install 'reasoner[inspect]'`); nothing in `reasoner`
outside this folder imports a bridge.
"""
