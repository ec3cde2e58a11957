package dev.reprise.platform.sql;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A transaction on the reactive SQL client in few round trips whatever the number of statements: BEGIN sent
 * together with the reads; then every write at once; then COMMIT, which travels with the write when there is
 * only one. The client's Transaction API waits for each statement before sending the next, which cost a hot
 * path a round trip per statement.
 *
 * <p>All or nothing, enforced here rather than asked of callers. The client can refuse a statement without
 * sending it (parameters that do not fit the types PostgreSQL inferred), and PostgreSQL, never having seen it,
 * would let a COMMIT queued behind it keep the other writes. So with several writes, COMMIT is sent only once
 * every one has answered success. A single write may take COMMIT along: if it is refused or fails, that COMMIT
 * has nothing to keep (the reads wrote nothing), and the caller still sees the failure. A hot path therefore
 * makes its change in one statement (common table expressions; {@code Outbox.insertAs} for its event) and
 * saves the round trip. Any failure, in a read, in {@code decide} or in a write, sends ROLLBACK before the
 * connection goes back to the pool.
 */
public final class PipelinedTransaction {

    private PipelinedTransaction() {
    }

    /**
     * What a transaction answers, and the writes that make it so. Each write must be exactly one statement on the
     * transaction's connection, queued when it is subscribed (a plain {@code preparedQuery(...).execute(...)}; never
     * a chain of statements, nor one moved to another thread): the writes are subscribed in list order so they
     * pipeline, and a single write has COMMIT queued right behind it, which would overtake a second, chained
     * statement.
     */
    public record Change<T>(T result, List<Uni<?>> writes) {

        public Change {
            writes = List.copyOf(writes);
        }

        /** Nothing to write (a repeated request): the transaction commits nothing. */
        public static <T> Change<T> none(T result) {
            return new Change<>(result, List.of());
        }
    }

    /**
     * Runs {@code read} (its statements pipelined behind BEGIN), then {@code decide} with what it read, then the
     * change's writes, then COMMIT.
     *
     * @param read   the reads, e.g. a row lock and the rows the decision needs; must not write
     * @param decide given the connection and what was read, the result and the writes; may throw to refuse
     */
    public static <R, T> Uni<T> run(Pool pool, Function<SqlConnection, Uni<R>> read,
            BiFunction<SqlConnection, R, Change<T>> decide) {
        return pool.withConnection(connection -> Uni.combine().all()
                .unis(connection.query("BEGIN").execute(), Uni.createFrom().deferred(() -> read.apply(connection)))
                .with((begun, readResult) -> readResult)
                .flatMap(readResult -> {
                    Change<T> change = decide.apply(connection, readResult);
                    List<Uni<?>> writes = change.writes();
                    if (writes.size() == 1) {
                        // Subscribed in order, so COMMIT is queued right behind the one write.
                        return Uni.combine().all().unis(writes.get(0), connection.query("COMMIT").execute())
                                .collectFailures().discardItems().replaceWith(change.result());
                    }
                    Uni<Void> allWritten = writes.isEmpty()
                            ? Uni.createFrom().voidItem()
                            : Uni.combine().all().unis(writes).collectFailures().discardItems();
                    return allWritten.flatMap(done -> connection.query("COMMIT").execute())
                            .replaceWith(change.result());
                })
                .onFailure().call(() -> connection.query("ROLLBACK").execute().onFailure().recoverWithNull()));
    }
}
