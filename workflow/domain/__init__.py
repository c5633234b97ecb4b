"""The rules of Relais in plain Python: no Flask, no SQLAlchemy, no I/O."""
