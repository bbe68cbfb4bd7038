/**
 * Text encoders: text in, dense vector out, in process (ONNX Runtime + Hugging Face tokenizers),
 * never touching the network.
 *
 * <pre>{@code
 * try (TextEncoder enc = Models.open("bge-small-en-v1.5", EncoderOptions.defaults())) {
 *   float[][] docs = enc.encodeDocuments(List.of("title text", "another document"));
 *   float[] query = enc.encodeQuery("what is it about?");
 *   String fingerprint = enc.info().fingerprint(); // store with the index
 * }
 * }</pre>
 *
 * <p>Five public types carry the API: {@link dev.matryoshka.encode.TextEncoder} (what callers
 * use), {@link dev.matryoshka.encode.Models} (how they get one), {@link
 * dev.matryoshka.encode.ModelConfig} with {@link dev.matryoshka.encode.Pooling} (how a model is
 * described, on disk as {@code matryoshka-model.json}), {@link
 * dev.matryoshka.encode.EncoderOptions} (threads, batch size) and {@link
 * dev.matryoshka.encode.ModelInfo} (name, dims, fingerprint). {@link
 * dev.matryoshka.encode.OnnxTextEncoder} is the one implementation; its public API is {@code
 * TextEncoder}'s, and it never lends out its session or tokenizer. A caller that runs the ONNX graph
 * itself opens its own from {@link dev.matryoshka.encode.ModelFiles} ({@code Models.files}), as the
 * throughput benchmark does: it lives in the tools module, in {@code dev.matryoshka.bench.encoder}
 * ({@code bin/bench-encoder}).
 *
 * <p>Int8 models ({@code -q}) quantise activations dynamically per call, with one scale for the
 * whole batch tensor, so their vectors depend slightly on which texts share a batch (cosine to
 * the single-text vector about 0.99). The fp32 models are batch-independent to float noise.
 */
package dev.matryoshka.encode;
