"""Storage: the models, the database and its SQLite writer, ids, people and tokens, migrations."""
