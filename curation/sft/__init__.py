"""SFT curation: records and formats, filters, dedup, category distribution and rebalancing.

Modules: `records` (the SFT record), `formats` (Alpaca / ShareGPT / OpenAI messages / Firefly /
question-answer / preference loaders and writers), `filters`, `dedup`, `distribution`,
`rebalance`, and `cli` (`corpusloop sft convert | filter | dedup | analyze | rebalance`).
"""
