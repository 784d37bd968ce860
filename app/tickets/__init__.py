"""Passes: eligibility proofs, purchase, signed digital tickets verifiable offline."""
