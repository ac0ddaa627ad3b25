"""The capabilities' domain logic and storage (plain Python; never imports discord)."""
