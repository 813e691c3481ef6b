"""Label Studio integration: the six OpenLabel task kinds as projects, filled from SFT data and read back.

Modules: `configs` (labeling configs, titles, versions), `client` (server settings, retries,
token redaction), `tasks` (items → tasks), `convert` (annotations → SFT / judgments /
preferences), `agreement` (kappa, tau, majority), `service` (init / push / pull / status) and
`cli` (`corpusloop label ...`).
"""
