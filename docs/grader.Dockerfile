# The image for grading inside a container (docs/grading.md, "Grading inside a container"): the course's
# grader, its Python libraries (torch for the CPU) and the offline assets, nothing else.
# Build it from the repository's root, with network:
#   docker build -f docs/grader.Dockerfile -t coursekit-grader .
FROM python:3.11-slim

# bubblewrap: the jail around each kernel where the container runtime lets it make namespaces;
# elsewhere the grader falls back to Landlock by itself.
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY coursekit ./coursekit
RUN pip install --no-cache-dir -c constraints.txt --extra-index-url https://download.pytorch.org/whl/cpu ".[grade]" \
    && rm -rf /src

ENV COURSEKIT_CACHE=/opt/coursekit-assets COURSEKIT_SOURCE=offline COURSEKIT_DEVICE=cpu HOME=/tmp/home
RUN coursekit assets fetch && chmod -R a+rX /opt/coursekit-assets

WORKDIR /tmp
USER 65534:65534
ENTRYPOINT ["coursekit"]
