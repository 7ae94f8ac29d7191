Route #1: 2 3
Route #2:
Route #3: 4 5
Cost 22
