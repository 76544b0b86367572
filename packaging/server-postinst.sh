#!/bin/sh
# farmhand-server postinst: the account a system service runs as
# ('farmhand service install --system --user farmhand'), so render nodes do
# not render as root. Its home holds the farm's data (~/.local/share/farmhand).
set -e
if [ "$1" = configure ] && ! getent passwd farmhand >/dev/null; then
	useradd --system --user-group --create-home --home-dir /var/lib/farmhand \
		--shell /usr/sbin/nologin --comment "Farmhand render farm" farmhand
fi
exit 0
