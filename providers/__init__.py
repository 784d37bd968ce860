"""Adapters to sharing operators (GBFS availability and prices, TOMP-style booking).

The provider interface and the built-in adapters arrive with the providers work; the
package exists now so the import contracts (``providers`` never imports ``app``) hold
from the start.
"""
