print("mailtls")
