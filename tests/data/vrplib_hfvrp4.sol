Route #1: 
Route #2: 3
Route #3: 2 1
Cost: 3524.26
