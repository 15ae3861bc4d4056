"""Built-in strategies, registered through the reasoner.strategies entry point."""
