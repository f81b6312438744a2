"""Message copy and agenda templates, kept as data files (TOML) with no platform markup."""
