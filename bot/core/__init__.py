"""Pure kernel: identifiers, clock, domain errors. No I/O, no frameworks."""
