"""Agent use per user and calendar month (UTC), and the monthly plans that cap it."""
