from rest_framework.authentication import TokenAuthentication

from accounts.login_cache import token_user_cached


class UserTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, reading the user's clinic and patient record with the token
    (one query for what every patient endpoint starts from; see patients.selectors.patient_of_user).
    Unchanged since the last request, the user comes from this process's copy
    (accounts.login_cache): a deleted or replaced token renews the user's generation."""

    def authenticate_credentials(self, key):
        model = self.get_model()

        def load():
            token = model.objects.select_related("user__clinic", "user__patient").filter(key=key).first()
            return token.user if token is not None else None

        user = token_user_cached(key, load)
        if user is None or not user.is_active:
            return super().authenticate_credentials(key)  # DRF's own answers: invalid or inactive
        return (user, model(key=key, user=user))
