/**
 * Text primitives for the text tools and the `embed` task kind: BPE tokenization,
 * chunking, hashing embeddings and digests, with bit-identical results in every runtime.
 */
