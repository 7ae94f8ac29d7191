Route #1: 1
Route #2: 3
Route #3: 2
Cost 442
