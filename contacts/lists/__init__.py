"""Static contact lists (the SMS reference's address books): a contact belongs to any number of lists."""
