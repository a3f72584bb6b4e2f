"""Objections (Art 15, 16): filing, acceptance on working-day deadlines, the decision's cascade."""
