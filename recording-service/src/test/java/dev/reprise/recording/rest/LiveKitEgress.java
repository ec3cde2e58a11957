package dev.reprise.recording.rest;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Speaks exactly what LiveKit's track egress sends to a {@code websocket_url}: it dials with
 * {@code Content-Type: audio/x-raw}, sends binary frames of interleaved s16le at 48 kHz (20 ms each here), text
 * frames {@code {"muted":true}} and {@code {"muted":false}}, and closes with 1000 at the end of the stream. Frames
 * go out in real time, as a live track's do.
 */
final class LiveKitEgress implements AutoCloseable {

    static final int FRAME_MILLIS = 20;
    static final int SAMPLES_PER_FRAME = 48_000 * FRAME_MILLIS / 1000;

    private final WebSocketClient client;
    private volatile WebSocket socket;
    private final int channels;
    private final CompletableFuture<short[]> closed = new CompletableFuture<>();
    private volatile Short closeCode;
    private volatile String closeReason;
    private long nextFrameAt = System.nanoTime();

    private LiveKitEgress(WebSocketClient client, int channels) {
        this.client = client;
        this.channels = channels;
    }

    /**
     * Dials {@code path} (with its query) as LiveKit does; fails with the upgrade's status if refused. The close
     * handler is set on the connection's own thread as it opens, so a server that closes at once is seen too.
     */
    static LiveKitEgress dial(Vertx vertx, int port, String path, int channels) throws Exception {
        WebSocketClient client = vertx.createWebSocketClient();
        LiveKitEgress egress = new LiveKitEgress(client, channels);
        CompletableFuture<WebSocket> opened = new CompletableFuture<>();
        client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(path)
                .addHeader("Content-Type", "audio/x-raw")).onComplete(result -> {
                    if (result.succeeded()) {
                        WebSocket socket = result.result();
                        socket.closeHandler(ignored -> {
                            egress.closeCode = socket.closeStatusCode();
                            egress.closeReason = socket.closeReason();
                            egress.closed.complete(null);
                        });
                        opened.complete(socket);
                    } else {
                        opened.completeExceptionally(result.cause());
                    }
                });
        try {
            egress.socket = opened.get(10, TimeUnit.SECONDS);
            return egress;
        } catch (Exception e) {
            client.close();
            throw e;
        }
    }

    /** Sends {@code mono} as frames of this stream's channel count, one every 20 ms. */
    void play(short[] mono) throws Exception {
        for (int at = 0; at < mono.length; at += SAMPLES_PER_FRAME) {
            int n = Math.min(SAMPLES_PER_FRAME, mono.length - at);
            byte[] frame = new byte[n * channels * 2];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < channels; c++) {
                    int index = (i * channels + c) * 2;
                    frame[index] = (byte) mono[at + i];
                    frame[index + 1] = (byte) (mono[at + i] >> 8);
                }
            }
            pace();
            if (closed.isDone()) {
                return;
            }
            socket.writeBinaryMessage(Buffer.buffer(frame)).toCompletionStage().toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
        }
    }

    void sendBytes(byte[] frame) throws Exception {
        socket.writeBinaryMessage(Buffer.buffer(frame)).toCompletionStage().toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    void muted(boolean muted) throws Exception {
        socket.writeTextMessage("{\"muted\":" + muted + "}").toCompletionStage().toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    /** Sends nothing for {@code millis}, as a muted track does. */
    void pause(long millis) throws InterruptedException {
        Thread.sleep(millis);
        nextFrameAt = System.nanoTime();
    }

    void end() throws Exception {
        socket.close((short) 1000, "end of stream").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        closed.get(10, TimeUnit.SECONDS);
    }

    /** Waits for the server to close the stream; returns its close code. */
    short awaitClosedByServer() throws Exception {
        closed.get(15, TimeUnit.SECONDS);
        return closeCode;
    }

    String closeReason() {
        return closeReason;
    }

    boolean isClosed() {
        return closed.isDone();
    }

    private void pace() throws InterruptedException {
        long wait = nextFrameAt - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        nextFrameAt = Math.max(nextFrameAt, System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(FRAME_MILLIS))
                + TimeUnit.MILLISECONDS.toNanos(FRAME_MILLIS);
    }

    static short[] tone(double frequency, int millis, double amplitude) {
        short[] samples = new short[48 * millis];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (short) (amplitude * 32767 * Math.sin(2 * Math.PI * frequency * i / 48_000));
        }
        return samples;
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            socket.close();
        }
        client.close();
    }
}
