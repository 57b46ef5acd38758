"""Operations: the op table (each op's arguments, handler and required role) and its handlers."""
