"""Events: the write transaction, the frames it pushes, the award book, the audit chain, e-mail."""
