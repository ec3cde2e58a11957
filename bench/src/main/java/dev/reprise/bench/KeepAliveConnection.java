package dev.reprise.bench;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One keep-alive HTTP/1.1 connection that sends body-less POSTs and reads the answers, for the load loop
 * against a Reprise service (answers framed by Content-Length or chunked, as Quarkus sends them).
 * The load generator shares the two cores with the service it measures; the JDK's HttpClient took about
 * a fifth of the machine at full load, this takes a fraction of that, so the figures are the service's.
 */
final class KeepAliveConnection implements Closeable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String host;
    private final StringBuilder line = new StringBuilder(128);

    KeepAliveConnection(String host, int port) throws IOException {
        this.host = host + ":" + port;
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        socket.connect(new InetSocketAddress(host, port), 10_000);
        in = new BufferedInputStream(socket.getInputStream(), 8192);
        out = socket.getOutputStream();
    }

    private boolean closedByServer;

    /** Whether the server said it closes this connection after its last answer: open a new one. */
    boolean closedByServer() {
        return closedByServer;
    }

    /** POSTs an empty body to {@code path} with the bearer token; returns the status code, body read and dropped. */
    int post(String path, String token) throws IOException {
        String request = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String status = readLine();
        if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
            throw new IOException("not an HTTP/1.1 status line: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = 0;
        boolean chunked = false;
        for (String header = readLine(); !header.isEmpty(); header = readLine()) {
            int colon = header.indexOf(':');
            String name = colon < 0 ? header : header.substring(0, colon).trim();
            String value = colon < 0 ? "" : header.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("content-length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
                chunked = true;
            } else if (name.equalsIgnoreCase("connection") && value.equalsIgnoreCase("close")) {
                closedByServer = true;
            }
        }
        if (chunked) {
            for (long size = chunkSize(); size > 0; size = chunkSize()) {
                skip(size);
                readLine();
            }
            while (!readLine().isEmpty()) {
                // trailer fields, if any, up to the empty line
            }
        } else {
            skip(length);
        }
        return code;
    }

    private long chunkSize() throws IOException {
        String size = readLine();
        int extension = size.indexOf(';');
        return Long.parseLong((extension < 0 ? size : size.substring(0, extension)).trim(), 16);
    }

    private void skip(long bytes) throws IOException {
        in.skipNBytes(bytes);
    }

    private String readLine() throws IOException {
        line.setLength(0);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed by the server");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
