export const TEXT_CATEGORY = {
  name: 'text',
  description:
    'Text utilities: hashing, chunking for retrieval, token and word counts, hashing-trick embeddings',
}
