"""Tags: free labels with a colour; a contact carries any number of them."""
