"""Built-in plugins: each registered by name through the same hooks as a third-party plugin."""
