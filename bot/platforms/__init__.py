"""Platform adapters (Telegram, Matrix, shell) and the neutral ports they implement."""
