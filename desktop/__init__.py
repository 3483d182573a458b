"""Qt desktop front end of Gespreksopname."""
