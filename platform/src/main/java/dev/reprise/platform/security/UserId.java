package dev.reprise.platform.security;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import java.util.Optional;

/**
 * A user id given in a request: the rules of {@link UserIds} (required, at most 255 characters, no control
 * characters), reported with the rule that failed.
 */
@Documented
@Constraint(validatedBy = UserId.Validator.class)
@Target({FIELD, METHOD, PARAMETER})
@Retention(RUNTIME)
public @interface UserId {

    String message() default "is not a valid user id";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Reports the rule that failed, not just "invalid". */
    class Validator implements ConstraintValidator<UserId, String> {

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            Optional<String> problem = UserIds.problemWith(value);
            if (problem.isEmpty()) {
                return true;
            }
            context.disableDefaultConstraintViolation();
            context.buildConstraintViolationWithTemplate(problem.get()).addConstraintViolation();
            return false;
        }
    }
}
