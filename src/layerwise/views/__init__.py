"""How a network, a history and a table model show themselves: HTML reprs, ``LiveView``,
the plots (matplotlib, the ``plot`` extra) and the equations of a network as text."""
