package dev.reprise.platform.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AllowedMethodsTest {

    @Test
    void aTemplateMatchesTheConcretePathsItStandsFor() {
        Pattern participant = AllowedMethods.toPattern("/rooms/{roomId}/participants/{userId}");
        assertThat(participant.matcher("/rooms/42/participants/ali").matches()).isTrue();
        assertThat(participant.matcher("/rooms/42/participants/ali/").matches()).isTrue();
        assertThat(participant.matcher("/rooms/42/participants").matches()).isFalse();
        assertThat(participant.matcher("/rooms/42/participants/ali/more").matches()).isFalse();
    }

    @Test
    void aParameterKeepsItsOwnRegexAndLiteralsAreLiteral() {
        Pattern numbered = AllowedMethods.toPattern("/v1.0/items/{id: [0-9]+}");
        assertThat(numbered.matcher("/v1.0/items/17").matches()).isTrue();
        assertThat(numbered.matcher("/v1.0/items/x7").matches()).isFalse();
        assertThat(numbered.matcher("/v1x0/items/17").matches()).isFalse();
    }
}
