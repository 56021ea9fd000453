# Runs in the learner's sandbox when the exercise starts: the worker and its image recipe, with this attempt's
# number of items (from the seed the runner made for it). check.sh expects the same number in the goodbye.
: "${DOCKHAND_SEED:?the lesson runner sets DOCKHAND_SEED}"
items=$((DOCKHAND_SEED % 9000 + 1000))
docker rm -f ex-polite >/dev/null 2>&1
rm -rf ~/polite && mkdir -p ~/polite
cat > ~/polite/app.py <<EOF
import signal, sys, time
ITEMS = $items
def save_and_exit(*_):
    print(f"saved {ITEMS} items, bye", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, save_and_exit)
print("working", flush=True)
while True:
    time.sleep(1)
EOF
cat > ~/polite/start.sh <<'EOF'
#!/bin/sh
echo "starting the worker"
python3 /app/app.py
EOF
cat > ~/polite/Dockerfile <<'EOF'
FROM python:3.11-slim
COPY app.py start.sh /app/
CMD ["sh", "/app/start.sh"]
EOF
