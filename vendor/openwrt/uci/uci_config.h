/* #undef UCI_DEBUG */
/* #undef UCI_DEBUG_TYPECAST */
