#!/bin/sh
# Prints what the image was built with: ENV, a COPY'd config file and a file a RUN step wrote.
echo "$GREETING"
echo "config: $(cat "$APP_HOME/config/app.conf")"
cat "$APP_HOME/build-info.txt"
