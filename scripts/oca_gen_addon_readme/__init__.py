# oca-gen-addon-readme of OCA/maintainer-tools (tools/), vendored: see README.md.
