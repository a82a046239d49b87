from rest_framework.authentication import TokenAuthentication


class UserTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, reading the user's clinic and patient record with the token
    (one query for what every patient endpoint starts from; see patients.selectors.patient_of_user).
    Read on every request: a deleted token or a deactivated user is refused at once."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        token = model.objects.select_related("user__clinic", "user__patient").filter(key=key).first()
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # DRF's own answers: invalid or inactive
        return (token.user, token)
