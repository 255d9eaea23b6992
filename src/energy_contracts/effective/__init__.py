"""What a building pays: effective prices, cheapest windows and the cost of a load (SPEC §6).

Thin HTTP over the pure ``pricing`` package: the repository loads exactly the rows a question
needs, ``pricing`` answers it.
"""
