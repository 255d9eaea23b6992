"""Energy contracts and their prices."""
