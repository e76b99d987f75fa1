"""rooms_rotation::a_kill_during_rotation_loses_and_doubles_nothing: 6 writers noting what
was acknowledged in argv[1] (tag argv[2]); the test kills the relay under them."""
from prelude import *  # noqa: F403
from rotation import *  # noqa: F403

acked, errors = writers(6, 400, ack_file=sys.argv[1], stop_on_error=True, tag=sys.argv[2])
