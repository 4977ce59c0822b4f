"""From a question to ranked passages: dense and keyword hits (`retrieve`) fused by rank
(`candidates`), optionally reranked (`rerank`), grown into readable passages (`passages`),
syndicated copies collapsed (`dedupe`), under the user's date and outlet filters (`filters`).
How a question's words are weighed is `qa.reading.question_terms`."""
