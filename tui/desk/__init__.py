"""The routing desk's places (concierge): the live board and the team screen."""
