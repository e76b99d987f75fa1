"""rooms_append::sigkill_while_appending_loses_no_acknowledged_message: 16 FTPChat-style
writers that note every acknowledged message in the file argv[1] (tag argv[2]); the test
kills the relay under them."""
from prelude import *  # noqa: F403

writers(16, 400, ack_file=sys.argv[1], stop_on_error=True, tag=sys.argv[2])
