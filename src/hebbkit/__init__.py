"""hebbkit: Hebbian and spike-timing-dependent plasticity, validated and fast.

Nothing runs on import; the engine, rules and experiments are imported from their modules.
"""

__version__ = "0.1.0"
