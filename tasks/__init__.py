"""Built-in task suites, registered through the reasoner.tasks entry point."""
